;;; switchboard-edit-tests.el --- Rewrite and insert at point  -*- lexical-binding: t; -*-

;;; Commentary:

;; A rewrite shown as an inline diff, accepted or rejected (one undo
;; step); an answer streamed in at point without blocking Emacs.

;;; Code:

(require 'switchboard-test-helpers)

(defconst switchboard-tests-original "(setq one 1)\n(setq two 2)\n(setq three 3)\n")

(defmacro switchboard-tests-with-source (&rest body)
  "Run BODY in a fresh Lisp buffer holding `switchboard-tests-original'."
  (declare (indent 0) (debug t))
  `(with-temp-buffer
     (emacs-lisp-mode)
     (buffer-enable-undo)
     (insert switchboard-tests-original)
     (undo-boundary)
     (setq buffer-undo-list nil)
     (set-buffer-modified-p nil)
     (transient-mark-mode 1)
     ,@body))

(defun switchboard-tests-rewrite-lines-2-3 ()
  "Ask for an UPPERCASE rewrite of lines 2 and 3; return the overlay when ready."
  (goto-char (point-min))
  (forward-line 1)
  (set-mark (point))
  (goto-char (point-max))
  (cl-letf (((symbol-function 'read-string) (lambda (&rest _) "UPPERCASE these")))
    (call-interactively #'switchboard-rewrite))
  (switchboard-tests-idle)
  (should (equal (switchboard-tests-text) switchboard-tests-original))
  (let ((overlay switchboard-rewrite--overlay))
    (should overlay)
    (should (equal (substring-no-properties (overlay-get overlay 'after-string)) "(SETQ TWO 2)\n(SETQ THREE 3)\n"))
    (should (eq (overlay-get overlay 'face) 'switchboard-rewrite-old))
    (should switchboard-rewrite-mode)
    (goto-char (point-max)) ; the keys work anywhere in the buffer
    overlay))

(ert-deftest switchboard-rewrite-accept-in-one-undo-step ()
  "The proposal shows beside the old text; C-c C-c replaces it; one undo restores it."
  (switchboard-tests-with-daemon
    (switchboard-tests-with-source
      (switchboard-tests-rewrite-lines-2-3)
      (let ((sent (cadr (switchboard-tests-last-messages))))
        (should (equal (alist-get 'content sent)
                       (concat "UPPERCASE these\n\nFile: " (buffer-name)
                               "\n```emacs-lisp\n(setq two 2)\n(setq three 3)\n```"))))
      (undo-boundary)
      (switchboard-tests-key "C-c C-c")
      (should (equal (switchboard-tests-text) "(setq one 1)\n(SETQ TWO 2)\n(SETQ THREE 3)\n"))
      (should-not switchboard-rewrite--overlay)
      (should-not switchboard-rewrite-mode)
      (undo-boundary)
      (let ((last-command nil)) (undo))
      (should (equal (switchboard-tests-text) switchboard-tests-original)))))

(ert-deftest switchboard-rewrite-reject-and-diff ()
  "C-c C-d shows a unified diff; C-c C-k drops the proposal and leaves the text."
  (switchboard-tests-with-daemon
    (switchboard-tests-with-source
      (switchboard-tests-rewrite-lines-2-3)
      (switchboard-tests-key "C-c C-d")
      (let ((diff (get-buffer "*switchboard diff*")))
        (should (switchboard-tests-wait-until
                 (lambda () (string-match-p "^\\+(SETQ TWO 2)" (switchboard-tests-text diff)))))
        (should (string-match-p "^-(setq two 2)" (switchboard-tests-text diff))))
      (switchboard-tests-key "C-c C-k")
      (should-not switchboard-rewrite--overlay)
      (should-not (overlays-in (point-min) (point-max)))
      (should (equal (switchboard-tests-text) switchboard-tests-original))
      (should-not (buffer-modified-p)))))

(ert-deftest switchboard-rewrite-refuses-changed-text ()
  "A rewrite of text that changed meanwhile is not applied."
  (switchboard-tests-with-daemon
    (switchboard-tests-with-source
      (let ((overlay (switchboard-tests-rewrite-lines-2-3)))
        (save-excursion (goto-char (overlay-start overlay)) (insert ";; "))
        (should-error (switchboard-rewrite-accept) :type 'user-error)
        (switchboard-rewrite-reject)))))

(defun switchboard-tests-pending-answer ()
  "The text of the answer showing at point as it streams, or nil."
  (seq-some (lambda (overlay) (and (overlay-get overlay 'switchboard-insert)
                                   (overlay-get overlay 'before-string)))
            (overlays-in (point-min) (point-max))))

(ert-deftest switchboard-insert-streams-at-point-without-blocking ()
  "The answer shows at point while it streams, the buffer unchanged; then it goes in; one undo removes it."
  (switchboard-tests-with-daemon
    (switchboard-tests-with-source
      (goto-char (point-min))
      (search-forward "one")
      (switchboard-insert " SLOW hi")
      (should (switchboard-busy-p))
      (should (switchboard-tests-wait-until
               (lambda () (string-prefix-p "echo" (or (switchboard-tests-pending-answer) "")))))
      (should (equal (switchboard-tests-text) switchboard-tests-original))
      (switchboard-tests-idle)
      (should-not (switchboard-tests-pending-answer))
      (should (equal (switchboard-tests-text)
                     "(setq oneecho:  SLOW hi 1)\n(setq two 2)\n(setq three 3)\n"))
      (should (= (point) (+ (point-min) (length "(setq oneecho:  SLOW hi"))))
      (should (equal (alist-get 'role (car (switchboard-tests-last-messages))) "system"))
      (undo-boundary)
      (let ((last-command nil)) (undo))
      (should (equal (switchboard-tests-text) switchboard-tests-original)))))

(ert-deftest switchboard-insert-is-one-undo-step-while-the-user-edits ()
  "The user edits the buffer while the answer streams; one undo removes exactly the answer."
  (switchboard-tests-with-daemon
    (switchboard-tests-with-source
      (goto-char (point-min))
      (search-forward "(setq two 2)")
      (switchboard-insert "SLOW go")
      (should (switchboard-tests-wait-until
               (lambda () (string-prefix-p "echo" (or (switchboard-tests-pending-answer) "")))))
      ;; the user types on the first line and at the end, as commands (each ends with a boundary)
      (save-excursion (goto-char (point-min)) (insert ";; mine\n"))
      (undo-boundary)
      (goto-char (point-max))
      (insert "(setq four 4)\n")
      (undo-boundary)
      (switchboard-tests-idle)
      (should (eq (plist-get switchboard-last-outcome :outcome) 'done))
      (should (equal (switchboard-tests-text)
                     ";; mine\n(setq one 1)\n(setq two 2)echo: SLOW go\n(setq three 3)\n(setq four 4)\n"))
      (undo-boundary)
      (let ((last-command nil)) (undo))
      (should (equal (switchboard-tests-text)
                     ";; mine\n(setq one 1)\n(setq two 2)\n(setq three 3)\n(setq four 4)\n")))))

(ert-deftest switchboard-insert-after-region-and-cancel ()
  "With a region, it goes along; cancelled: nothing is inserted, the overlay goes, a message says so."
  (switchboard-tests-with-daemon
    (switchboard-tests-with-source
      (goto-char (point-min))
      (set-mark (point))
      (forward-line 1)
      (call-interactively (lambda () (interactive) (switchboard-insert "SLOW sum" (region-beginning) (region-end))))
      (should (switchboard-tests-wait-until
               (lambda () (string-prefix-p "echo: SLO" (or (switchboard-tests-pending-answer) "")))))
      (let ((messages nil))
        (cl-letf (((symbol-function 'message) (lambda (&rest args) (push (apply #'format args) messages))))
          (call-interactively #'switchboard-cancel) ; the answer of this buffer
          (switchboard-tests-idle))
        (should (member "switchboard: cancelled; nothing inserted" messages)))
      (should (eq (plist-get switchboard-last-outcome :outcome) 'cancelled))
      (should-not (overlays-in (point-min) (point-max)))
      (should (equal (switchboard-tests-text) switchboard-tests-original))
      (should (string-match-p "```emacs-lisp\n(setq one 1)\n```"
                              (alist-get 'content (cadr (switchboard-tests-last-messages))))))))

(ert-deftest switchboard-insert-error-inserts-nothing ()
  "An answer that fails inserts nothing and says why."
  (switchboard-tests-with-daemon
    (switchboard-tests-with-source
      (goto-char (point-min))
      (let ((messages nil))
        (cl-letf (((symbol-function 'message) (lambda (&rest args) (push (apply #'format args) messages))))
          (switchboard-insert "FAIL401 please")
          (switchboard-tests-idle))
        (should (seq-some (lambda (m) (string-match-p "nothing inserted" m)) messages)))
      (should (eq (plist-get switchboard-last-outcome :outcome) 'error))
      (should-not (overlays-in (point-min) (point-max)))
      (should (equal (switchboard-tests-text) switchboard-tests-original)))))

;; (the echo upstream answers a message holding UPPERCASE with its
;; fenced block upper-cased, in a fence)
(ert-deftest switchboard-insert-drops-the-fence-of-a-fenced-answer ()
  "An answer that is one fenced block goes in without its fence, in one undo step."
  (switchboard-tests-with-daemon
    (switchboard-tests-with-source
      (goto-char (point-min))
      (set-mark (point))
      (forward-line 1)
      (call-interactively (lambda () (interactive) (switchboard-insert "UPPERCASE" (region-beginning) (region-end))))
      (switchboard-tests-idle)
      (should (eq (plist-get switchboard-last-outcome :outcome) 'done))
      (should (string-prefix-p "(setq one 1)\n(SETQ ONE 1)(setq two 2)" (switchboard-tests-text)))
      (undo-boundary)
      (undo)
      (should (equal (switchboard-tests-text) switchboard-tests-original))))
  (should (equal (switchboard-conversation-unfenced "```py\nx = 1\n```\n") "x = 1"))
  (should-not (switchboard-conversation-unfenced "Here:\n```py\nx\n```"))
  (should-not (switchboard-conversation-unfenced "```\na\n```\n\n```\nb\n```")))

(provide 'switchboard-edit-tests)
;;; switchboard-edit-tests.el ends here
